import Theory
print("ok")
