"""The timetable (时间表): the chart's geometry, pure Python (`geometry`)."""
