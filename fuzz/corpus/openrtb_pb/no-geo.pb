
no-geo-1
1¬úblog.example*Mozilla/5.0riOSZEUR