
declared-fr
1¨˙meteo.example"IAB15*"FRAHriOSêZEUR