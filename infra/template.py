"""Reading template.yaml (with CloudFormation's short-form tags) and resolving its intrinsic functions.

The local stack and the integration tests create their tables, buckets and queues from this reading of
the template, so what runs locally cannot drift from what is deployed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader turning `!Ref X` into {"Ref": "X"}, `!GetAtt A.B` into {"Fn::GetAtt": ["A", "B"]}, etc."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict) or "Resources" not in data:
        raise ValueError(f"{path} is not a CloudFormation template")
    return data


NO_VALUE = object()  # `!Ref AWS::NoValue`: the property (or list item) is left out


@dataclass
class Resolver:
    """Resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select and Fn::If against local values.

    `ref` and `get_att` are given the logical id (and attribute) and return the local physical value;
    they may create the resource on first use, which orders creation by dependency. `conditions` are the
    template's Conditions section (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition).
    """

    parameters: Mapping[str, str]
    ref: Callable[[str], str]
    get_att: Callable[[str, str], str]
    pseudo: Mapping[str, str] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in map(self, value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self._ref(str(arg))
            if name == "Fn::If":
                condition, if_true, if_false = arg
                return self(if_true if self.condition(condition) else if_false)
            if name == "Fn::GetAtt":
                return self.get_att(str(arg[0]), str(arg[1]))
            if name == "Fn::Sub":
                return self._sub(arg)
            if name == "Fn::Join":
                return str(arg[0]).join(str(self(part)) for part in arg[1])
            if name == "Fn::Select":
                return self(arg[1])[int(arg[0])]
            if name.startswith("Fn::"):
                raise NotImplementedError(f"the local stack does not resolve {name}")
        resolved = {key: self(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def condition(self, name: str) -> bool:
        """Whether the named condition of the template holds."""
        if name not in self.conditions:
            raise KeyError(f"the template has no condition {name!r}")
        return self._truth(self.conditions[name])

    def _truth(self, expression: Any) -> bool:
        ((function, arg),) = expression.items()
        if function == "Condition":
            return self.condition(str(arg))
        if function == "Fn::Equals":
            return bool(str(self(arg[0])) == str(self(arg[1])))
        if function == "Fn::Not":
            return not self._truth(arg[0])
        if function == "Fn::And":
            return all(self._truth(item) for item in arg)
        if function == "Fn::Or":
            return any(self._truth(item) for item in arg)
        raise NotImplementedError(f"the local stack does not evaluate {function} in a condition")

    def _ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.ref(name)

    def _sub(self, arg: Any) -> str:
        template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        values = {key: str(self(item)) for key, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return self.get_att(logical, attribute)
            return str(self._ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, template)


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: str(spec["Default"])
        for name, spec in template.get("Parameters", {}).items()
        if "Default" in spec
    }


def resources_of_type(template: Mapping[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in template["Resources"].items() if spec["Type"] in types}


def function_environment(template: Mapping[str, Any], function: str) -> dict[str, Any]:
    """A function's environment variables: Globals first, its own on top (unresolved)."""
    global_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    return {**global_env, **own}
