
bcat-1
1¨˙news.example*%"	ëÌ|?5nH@NbX9¥@FRAHXriOSêZEURbIAB8jcity.example