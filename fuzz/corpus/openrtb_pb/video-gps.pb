
video-gps-16
v1'
	video/mp4 0€8è’¬úªÐA‡ˆ›SÉÀó?5
site-7news.example:https://news.example/video/42*/81.2.69.142"	x$(nH@l	ù g³@HX
rmacOSZEUR