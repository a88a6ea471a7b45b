import GridSearch
print("aegrid: under construction")
