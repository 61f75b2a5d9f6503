
r