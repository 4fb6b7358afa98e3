print("podnetd: under construction")
