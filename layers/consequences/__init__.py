"""Consequence models for emergency planning: ALOHA-style threat zones (docs/domain.md §6).

Four models, each turning a release (and the weather) into up to three threat zones — red, orange,
yellow, red the most severe — as shapely polygons in LOCAL METRES: the source at (0, 0), x east,
y north. Placing them on the map (and storing them) is the scenario layer's business.

* ``vce_tnt`` — vapour cloud explosion, TNT equivalent; circles at overpressure thresholds.
* ``bleve_fireball`` — BLEVE fireball; circles at heat-flux thresholds (or at the thermal-dose
  probit fluxes of the Chinese 安全评价 texts).
* ``pool_fire`` — pool fire; circles at heat-flux thresholds. Wind tilt of the flame is ignored
  (zones stay centred on the pool): conservative upwind, slightly short downwind.
* ``gaussian_plume`` — continuous toxic release, Gaussian plume with Pasquill–Gifford dispersion;
  the footprint where the ground-level concentration reaches the level of concern, pointing
  downwind.

Every constant is either a named parameter of a model (its default documented in the params
dataclass and in :func:`params_schema`) or a named module constant, each with its source.

One module a family of models (:mod:`~layers.consequences.explosion`, :mod:`~.fireball`,
:mod:`~.pool_fire`, :mod:`~.plume`), what they share in :mod:`~layers.consequences.base`, and the
registry :data:`MODELS` (name → model) with the entry points in :mod:`~layers.consequences.registry`.

Use::

    zones = threat_zones("gaussian_plume", {"release_rate_kg_s": 1.0},
                         Weather(wind_speed_m_s=3, wind_from_deg=45, stability="D"))
"""

from layers.consequences.base import (
    G_M_S2,
    HEAT_FLUX_MIN_KW_M2,
    LEVEL_PALETTE_KEY,
    LEVEL_ZH,
    LEVELS,
    M_AIR_KG_MOL,
    MAX_RANGE_M,
    P_ATM_PA,
    PSI_KPA,
    R_GAS,
    ModelSpec,
    ThreatZone,
    Weather,
    atmospheric_transmissivity,
    check_decreasing,
    circle,
    circle_zones,
    fmt,
    level_colour,
    level_text_colour,
    outer_distance,
    param,
)
from layers.consequences.explosion import (
    CN_PROPERTY_DAMAGE_K,
    OVERPRESSURE_MIN_KPA,
    VceTntParams,
    cn_death_radius_m,
    cn_property_damage_radius_m,
    cn_sachs_overpressure_ratio,
    kinney_graham_overpressure_ratio,
    tnt_equivalent_kg,
    vce_overpressure_kpa,
    vce_zones,
)
from layers.consequences.fireball import (
    FIREBALL_CENTRE_HEIGHT_FACTOR,
    FIREBALL_DIAMETER_COEFF,
    FIREBALL_DURATION_LARGE,
    FIREBALL_DURATION_SMALL,
    FIREBALL_MASS_SPLIT_KG,
    PROBITS,
    BleveFireballParams,
    bleve_zones,
    fireball_diameter_m,
    fireball_duration_s,
    fireball_emissive_power_kw_m2,
    fireball_flux_kw_m2,
    fireball_view_factor,
    probit_flux_kw_m2,
)
from layers.consequences.plume import (
    BRIGGS_RURAL,
    BRIGGS_URBAN,
    PG_SIGMA_Z_MAX_M,
    PG_TURNER_SIGMA_Y,
    PG_TURNER_SIGMA_Z,
    PLUME_MIN_WIND_M_S,
    PLUME_SAMPLES,
    PLUME_X_MIN_M,
    WIND_PROFILE_EXPONENT,
    GaussianPlumeParams,
    mg_m3_to_ppm,
    molar_volume_l_mol,
    plume_centreline_mg_m3,
    plume_sigmas_m,
    plume_wind_speed_m_s,
    plume_zones,
    ppm_to_mg_m3,
)
from layers.consequences.pool_fire import (
    CN_THOMAS_COEFF,
    CN_THOMAS_EXPONENT,
    THOMAS_COEFF,
    THOMAS_EXPONENT,
    PoolFireParams,
    cn_pool_fire_total_radiation_w,
    pool_burning_rate_kg_m2_s,
    pool_fire_flux_kw_m2,
    pool_fire_heat_release_kw,
    pool_fire_zones,
    thomas_flame_height_m,
)
from layers.consequences.registry import (
    MODEL_NAMES,
    MODELS,
    STABILITY_CLASSES,
    TERRAINS,
    build_params,
    check_weather,
    params_schema,
    threat_zones,
)
from layers.errors import InvalidInput

__all__ = [
    "InvalidInput", "BRIGGS_RURAL", "BRIGGS_URBAN", "BleveFireballParams", "CN_PROPERTY_DAMAGE_K",
    "CN_THOMAS_COEFF", "CN_THOMAS_EXPONENT", "FIREBALL_CENTRE_HEIGHT_FACTOR", "FIREBALL_DIAMETER_COEFF",
    "FIREBALL_DURATION_LARGE", "FIREBALL_DURATION_SMALL", "FIREBALL_MASS_SPLIT_KG", "G_M_S2", "HEAT_FLUX_MIN_KW_M2", "OVERPRESSURE_MIN_KPA",
    "GaussianPlumeParams", "LEVELS", "LEVEL_PALETTE_KEY", "LEVEL_ZH", "MAX_RANGE_M", "MODELS",
    "MODEL_NAMES", "M_AIR_KG_MOL", "ModelSpec", "PG_SIGMA_Z_MAX_M", "PG_TURNER_SIGMA_Y",
    "PG_TURNER_SIGMA_Z", "PLUME_MIN_WIND_M_S", "PLUME_SAMPLES", "PLUME_X_MIN_M", "PROBITS", "PSI_KPA",
    "P_ATM_PA", "PoolFireParams", "R_GAS", "STABILITY_CLASSES", "TERRAINS", "THOMAS_COEFF",
    "THOMAS_EXPONENT", "ThreatZone", "VceTntParams", "WIND_PROFILE_EXPONENT", "Weather",
    "atmospheric_transmissivity", "bleve_zones", "build_params", "check_decreasing", "check_weather",
    "circle", "circle_zones", "cn_death_radius_m", "cn_pool_fire_total_radiation_w",
    "cn_property_damage_radius_m", "cn_sachs_overpressure_ratio", "fireball_diameter_m",
    "fireball_duration_s", "fireball_emissive_power_kw_m2", "fireball_flux_kw_m2", "fireball_view_factor",
    "fmt", "kinney_graham_overpressure_ratio", "level_colour", "level_text_colour", "mg_m3_to_ppm", "molar_volume_l_mol",
    "outer_distance", "param", "params_schema", "plume_centreline_mg_m3", "plume_sigmas_m",
    "plume_wind_speed_m_s", "plume_zones", "pool_burning_rate_kg_m2_s", "pool_fire_flux_kw_m2",
    "pool_fire_heat_release_kw", "pool_fire_zones", "ppm_to_mg_m3", "probit_flux_kw_m2",
    "thomas_flame_height_m", "threat_zones", "tnt_equivalent_kg", "vce_overpressure_kpa", "vce_zones",
]
