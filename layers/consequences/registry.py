"""The registry of consequence models (name → :class:`ModelSpec`: parameters, Chinese name,
function) and the public entry points that check parameters and weather and compute the zones.
Every list of model names (the API, the CLI) is derived from :data:`MODELS`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any, TypedDict

from layers.consequences.base import ModelSpec, ThreatZone, Weather
from layers.consequences.explosion import VceTntParams, vce_zones
from layers.consequences.fireball import BleveFireballParams, bleve_zones
from layers.consequences.plume import GaussianPlumeParams, plume_zones
from layers.consequences.pool_fire import PoolFireParams, pool_fire_zones
from layers.errors import InvalidInput

MODELS: dict[str, ModelSpec] = {
    "vce_tnt": ModelSpec("vce_tnt", "蒸气云爆炸（TNT 当量法）", VceTntParams, vce_zones,
                         "蒸气云爆炸冲击波超压分区（TNT 当量法）"),
    "bleve_fireball": ModelSpec("bleve_fireball", "沸腾液体扩展蒸气爆炸火球（BLEVE）", BleveFireballParams, bleve_zones,
                                "BLEVE 火球热辐射分区"),
    "pool_fire": ModelSpec("pool_fire", "池火", PoolFireParams, pool_fire_zones, "池火热辐射分区（不计风致火焰倾斜）"),
    "gaussian_plume": ModelSpec("gaussian_plume", "有毒气体连续泄漏（高斯烟羽）", GaussianPlumeParams, plume_zones,
                                "连续泄漏地面浓度分区，沿下风向"),
}

#: The model names, in the registry's order: the API and the CLI list these.
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)

STABILITY_CLASSES = ("A", "B", "C", "D", "E", "F")
TERRAINS = ("rural", "urban")


def _spec(model: str) -> ModelSpec:
    try:
        return MODELS[model]
    except (KeyError, TypeError):
        raise InvalidInput(
            f"未知的后果模型 {model!r}，可选 {', '.join(MODELS)} (unknown consequence model)",
            errors=[{"field": "model", "message": f"one of {', '.join(MODELS)}"}]) from None


class ParamSchema(TypedDict):
    """One parameter of a model as :func:`params_schema` describes it."""

    name: str
    unit: str
    default: Any                 # None when required
    required: bool
    min: float | None
    max: float | None
    min_exclusive: bool
    choices: list[str] | None    # the allowed values of a choice parameter
    description_zh: str


def params_schema(model: str) -> list[ParamSchema]:
    """The parameters of a model, for forms and API docs: name, unit, default (None = required),
    required, min, max, min_exclusive, choices, description_zh."""
    spec = _spec(model)
    out: list[ParamSchema] = []
    for f in fields(spec.params):
        md = f.metadata
        required = f.default is MISSING
        out.append({"name": f.name, "unit": md["unit"], "default": None if required else f.default,
                    "required": required, "min": md["min"], "max": md["max"],
                    "min_exclusive": md["min_exclusive"], "choices": list(md["choices"]) if md["choices"] else None,
                    "description_zh": md["description_zh"]})
    return out


def _range_text(md: Mapping[str, Any]) -> str:
    lo, hi = md["min"], md["max"]
    left = "(" if md["min_exclusive"] else "["
    return f"{left}{lo}, {hi}]"


def build_params(model: str, params: Mapping[str, float | str]) -> Any:
    """The params dataclass of ``model`` from a mapping, every problem named (InvalidInput)."""
    spec = _spec(model)
    known = {f.name: f for f in fields(spec.params)}
    errors: list[dict[str, str]] = []
    if not isinstance(params, Mapping):
        raise InvalidInput("参数应为名称到数值的映射 (params must be a mapping)",
                           errors=[{"field": "params", "message": "mapping expected"}])
    for name in params:
        if name not in known:
            errors.append({"field": str(name), "message": f"模型 {model} 没有参数 {name!r} (unknown parameter)"})
    values: dict[str, Any] = {}
    for name, f in known.items():
        md = f.metadata
        if name not in params or params[name] is None:
            if f.default is MISSING:
                errors.append({"field": name, "message": f"缺少必填参数 {name} (missing required parameter)"})
            continue
        raw = params[name]
        if md["choices"]:
            if not isinstance(raw, str) or raw not in md["choices"]:
                errors.append({"field": name, "message": f"参数 {name} 应为 {' / '.join(md['choices'])} 之一，"
                                                         f"现为 {raw!r} (must be one of the choices)"})
                continue
            values[name] = raw
            continue
        if isinstance(raw, bool):
            value = math.nan
        else:
            try:
                value = float(raw)
            except (TypeError, ValueError):
                value = math.nan
        if not math.isfinite(value):
            errors.append({"field": name, "message": f"参数 {name} 应为有限数值，现为 {raw!r} (must be a finite number)"})
            continue
        lo, hi = md["min"], md["max"]
        bad_lo = lo is not None and (value <= lo if md["min_exclusive"] else value < lo)
        bad_hi = hi is not None and value > hi
        if bad_lo or bad_hi:
            unit = f" {md['unit']}" if md["unit"] else ""
            errors.append({"field": name, "message": f"参数 {name} = {value:g}{unit} 超出范围 {_range_text(md)} "
                                                     "(out of range)"})
            continue
        values[name] = value
    if errors:
        raise InvalidInput("；".join(e["message"] for e in errors), errors=errors)
    return spec.params(**values)


def check_weather(weather: Weather | None) -> Weather:
    """The weather, validated (InvalidInput naming the field); None gives the defaults."""
    if weather is None:
        return Weather()
    errors = []

    def num(name: str, lo: float, hi: float) -> None:
        v = getattr(weather, name)
        try:  # Decimal from a numeric column is fine; bools and text are not
            x = math.nan if isinstance(v, bool | str) else float(v)
        except (TypeError, ValueError):
            x = math.nan
        if not (math.isfinite(x) and lo <= x <= hi):
            errors.append({"field": name, "message": f"气象参数 {name} = {v!r} 超出范围 [{lo}, {hi}] (out of range)"})

    num("wind_speed_m_s", 0.1, 50.0)
    num("wind_from_deg", -360.0, 720.0)
    num("ambient_temp_c", -60.0, 60.0)
    num("relative_humidity", 0.0, 1.0)
    stability = str(weather.stability).strip().upper()
    if stability not in STABILITY_CLASSES:
        errors.append({"field": "stability",
                       "message": f"大气稳定度 stability 应为 A–F，现为 {weather.stability!r} (Pasquill–Gifford class A–F)"})
    terrain = str(weather.terrain).strip().lower()
    if terrain not in TERRAINS:
        errors.append({"field": "terrain", "message": f"地形 terrain 应为 rural 或 urban，现为 {weather.terrain!r}"})
    if errors:
        raise InvalidInput("；".join(e["message"] for e in errors), errors=errors)
    return Weather(float(weather.wind_speed_m_s), float(weather.wind_from_deg) % 360.0, stability,
                   float(weather.ambient_temp_c), float(weather.relative_humidity), terrain)


def threat_zones(model: str, params: Mapping[str, float | str], weather: Weather | None = None) -> list[ThreatZone]:
    """Red, orange and yellow threat zones (red innermost) of ``model`` with ``params`` in ``weather``.

    Raises InvalidInput (Chinese + English, naming the parameter) for an unknown model, an unknown,
    missing or out-of-range parameter or weather field. A level whose threshold is never reached is
    omitted, so the list may be shorter than three (or empty)."""
    spec = _spec(model)
    p = build_params(model, params)
    return spec.function(p, check_weather(weather))
