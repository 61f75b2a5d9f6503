

user-geo-1
1z¬úzÀ2"
app-9Bcom.example.maps*J2001:db8::1riPadOS2*
u-9Á: 	x$(nH@l	ù g³@FRA:ParisHZEUR