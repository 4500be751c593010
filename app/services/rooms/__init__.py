"""The rooms: 矛盾纠纷调解室 and 家事调解室 (``mediation``), 暖心工作室 (``counselling``)."""
