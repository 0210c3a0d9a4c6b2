if {ctx}:
    {entity}.{setter}({ctx}.user_email, {ctx}.user_name)
