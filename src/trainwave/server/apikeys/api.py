from ninja import Router

keys_router = Router(tags=["api keys"])
