"""Demo data for a demonstration center, made through the services (never in a real center's
database): ``center`` builds the center, its people and its matters; ``work`` adds the
showcase work (督办, 预约, AB岗, registers, meetings …).
"""
