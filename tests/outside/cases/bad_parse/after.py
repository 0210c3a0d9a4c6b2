def f():
    try:
    return 1
