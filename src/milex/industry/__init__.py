"""The industrial base: procurement demand, production capacity against demand, pooling savings.

>>> from milex.industry import equipment_demand, run_capacity, run_pooling
>>> equipment_demand().summary()                      # NATO equipment spending since 2014
>>> run_capacity("examples/industry/eu-155mm.toml").summary["target_met"]
>>> run_pooling("examples/industry/pooling-eu.toml").frame()

``import milex`` does not import this package; it loads NumPy and pydantic when first used.
"""

from __future__ import annotations

from milex.industry._capacity_flows import stock_flow
from milex.industry._capacity_model import CapacityModel, load_capacity_model
from milex.industry._models import ITEMS, IndustryError
from milex.industry._pooling_model import PoolingModel, load_pooling_model
from milex.industry.capacity import FRAME_COLUMNS as CAPACITY_COLUMNS
from milex.industry.capacity import CapacityResult, run_capacity
from milex.industry.demand import FRAME_COLUMNS as DEMAND_COLUMNS
from milex.industry.demand import (
    MEASURES as DEMAND_MEASURES,
)
from milex.industry.demand import (
    DemandResult,
    EquipmentShare,
    equipment_demand,
    eur_per_usd,
)
from milex.industry.pooling import FRAME_COLUMNS as POOLING_COLUMNS
from milex.industry.pooling import (
    Comparison,
    Curve,
    PoolingResult,
    collaborate,
    consolidate,
    pool,
    run_pooling,
    total_cost,
    unit_cost,
)

__all__ = [
    "CAPACITY_COLUMNS",
    "DEMAND_COLUMNS",
    "DEMAND_MEASURES",
    "ITEMS",
    "POOLING_COLUMNS",
    "CapacityModel",
    "CapacityResult",
    "Comparison",
    "Curve",
    "DemandResult",
    "EquipmentShare",
    "IndustryError",
    "PoolingModel",
    "PoolingResult",
    "collaborate",
    "consolidate",
    "equipment_demand",
    "eur_per_usd",
    "load_capacity_model",
    "load_pooling_model",
    "pool",
    "run_capacity",
    "run_pooling",
    "stock_flow",
    "total_cost",
    "unit_cost",
]
