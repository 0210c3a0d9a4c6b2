{ctx} = {context_class}.{constructor}({user})
