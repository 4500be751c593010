"""综治中心工作台 (zongzhi-desk)."""

__version__ = "0.1.0"
