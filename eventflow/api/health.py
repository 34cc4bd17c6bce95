"""`GET /health`: the server and its store answer (load balancers and the loop-stall benchmark poll it)."""

from __future__ import annotations

from eventflow.api.deps import ServicesDep, resource_router
from eventflow.api.errors import ERRORS

router = resource_router()


@router.get("/health", responses=ERRORS)
async def health(app: ServicesDep) -> dict[str, str]:
    await app.off_loop(app.queries.ping)
    return {"status": "ok"}
