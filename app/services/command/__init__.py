"""综合信息指挥室 and 工作台账: figures and risks, ledgers, registers (流动人口, 特殊人群,
平安创建) and importing old spreadsheets.
"""
