{ctx} = {context_class}.{constructor}({user}) if {user} else None
