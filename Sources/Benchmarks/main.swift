import GridSearch
print("aegrid-bench: under construction")
