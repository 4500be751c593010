"""会议纪要: meetings, minutes (GB/T 9704) and 议定事项 tracked to done."""
