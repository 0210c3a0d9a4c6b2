{entity}.{field} = {now}
