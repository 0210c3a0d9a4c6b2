if {user} is not None:
    {stamp}
