"""Loading an ONNX model for import: opset upgrade, shape inference, functions expanded
into their bodies where Ember has no mapping of their own, nodes in topological order."""
from __future__ import annotations

import numpy as np

from exporter.errors import ExportError
from exporter.frontends.onnx.registry import HANDLERS


ONNX_DTYPES = {1: np.float32, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_, 2: np.uint8, 10: np.float16,
               11: np.float64}


def load_model(path):
    import onnx
    if isinstance(path, onnx.ModelProto):
        model, path = path, "<ONNX model>"
    else:
        try:
            model = onnx.load(path)
        except FileNotFoundError:
            raise ExportError(f"ONNX model '{path}' not found") from None
        except Exception as e:
            raise ExportError(f"'{path}' is not an ONNX model (not a valid protobuf: {type(e).__name__})") from None
    opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    if "ai.onnx" not in opset:
        raise ExportError(f"'{path}': no opset of the default ONNX domain (domains: {sorted(opset)})")
    if opset["ai.onnx"] < 13:
        # older models are upgraded to opset 13 by onnx's own version converter
        from onnx import version_converter
        try:
            model = version_converter.convert_version(model, 13)
        except Exception as e:
            raise ExportError(f"'{path}': opset {opset['ai.onnx']}; Ember imports opset 13 and newer, and onnx's "
                              f"version converter cannot upgrade it ({str(e).strip().splitlines()[0][:160]})") from None
        opset["ai.onnx"] = 13
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise ExportError(f"'{path}': node '{node.name}' ({node.op_type}) is in domain '{node.domain}'; "
                              f"only the default ONNX domain is supported")
    model = _infer(model, path)
    for _ in range(8):      # a function's body may hold further functions
        model, expanded = _expand_functions(model, opset["ai.onnx"])
        if not expanded:
            break
        model = _infer(model, path)
    return model, opset["ai.onnx"]


def _infer(model, path):
    import onnx
    try:
        return onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as e:
        raise ExportError(f"'{path}': shape inference failed: {str(e).strip().splitlines()[0][:200]}") from None


def _function_body(node, opset, types):
    """ONNX's own definition of `node` as a FunctionProto of simpler ops, or None."""
    import onnx
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, "")
    except Exception:
        return None
    try:
        if schema.has_function:
            body = schema.get_function_with_opset_version(opset) if schema.function_opset_versions else None
            if isinstance(body, bytes):
                proto = onnx.FunctionProto()
                proto.ParseFromString(body)
                body = proto
            return body if body is not None and len(body.node) else schema.function_body
        if schema.has_context_dependent_function:
            if any(t is None for t in types):
                return None
            data = schema.get_context_dependent_function_with_opset_version(
                opset, node.SerializeToString(), [t.SerializeToString() for t in types])
            proto = onnx.FunctionProto()
            proto.ParseFromString(data)
            return proto
    except Exception:
        return None
    return None


# Ops Ember maps, but whose variant here only ONNX's function definition covers.
_PREFER_FUNCTION = {
    "LayerNormalization": lambda node: len([o for o in node.output if o]) > 1,   # Mean, InvStdDev outputs
}


def _expand_functions(model, opset):
    """Every node of an op Ember has no mapping for, but which ONNX defines as a function
    of other ops (Attention, RMSNormalization, ReduceL2, Celu, ...), replaced by that
    function's body: the same decomposition as onnx's `_expanded` node tests."""
    import onnx
    graph = model.graph
    types = {vi.name: vi.type for vi in list(graph.value_info) + list(graph.input) + list(graph.output)}
    for init in graph.initializer:
        types.setdefault(init.name, onnx.helper.make_tensor_type_proto(init.data_type, list(init.dims)))
    nodes, expanded = [], 0
    for k, node in enumerate(graph.node):
        body = None
        mapped = node.op_type in HANDLERS and not _PREFER_FUNCTION.get(node.op_type, lambda n: False)(node)
        if not mapped and node.op_type not in ("Constant", "Shape") and node.domain in ("", "ai.onnx"):
            body = _function_body(node, opset, [types.get(i) if i else onnx.TypeProto() for i in node.input])
        if body is None or any(n.domain not in ("", "ai.onnx") or any(at.g.node or at.graphs for at in n.attribute)
                               for n in body.node):   # a subgraph (Loop, If) would need its names mapped too
            nodes.append(node)
            continue
        expanded += 1
        prefix = f"{node.name or node.op_type}_{k}/"
        rename = {f: a for f, a in zip(body.input, node.input)}
        rename.update({f: "" for f in list(body.input)[len(node.input):]})
        rename.update({f: a for f, a in zip(body.output, node.output)})
        attrs = {a.name: a for a in node.attribute}
        defaults = {a.name: a for a in body.attribute_proto}
        try:
            schema = onnx.defs.get_schema(node.op_type, opset, "")
            for name, spec in schema.attributes.items():
                if spec.default_value.type and name not in defaults:
                    defaults[name] = spec.default_value
        except onnx.defs.SchemaError:   # an op onnx has no schema for: the body's own defaults only
            pass
        for inner in body.node:
            new = onnx.NodeProto()
            new.CopyFrom(inner)
            new.name = prefix + (inner.name or inner.op_type)
            for field in (new.input, new.output):
                for j, v in enumerate(field):
                    field[j] = rename[v] if v in rename else (prefix + v if v else "")
            kept = []
            for a in new.attribute:
                if a.ref_attr_name:
                    src = attrs.get(a.ref_attr_name) or defaults.get(a.ref_attr_name)
                    if src is None:
                        continue
                    a2 = onnx.AttributeProto()
                    a2.CopyFrom(src)
                    a2.name = a.name
                    kept.append(a2)
                else:
                    kept.append(a)
            del new.attribute[:]
            new.attribute.extend(kept)
            nodes.append(new)
    if not expanded:
        return model, 0
    del graph.node[:]
    graph.node.extend(nodes)
    return model, expanded


def topological(graph, known):
    """Nodes in an order where each input is produced first; a cycle or a missing
    input is an error naming the node."""
    nodes, done, order = list(graph.node), set(known), []
    while nodes:
        ready = [n for n in nodes if all(i == "" or i in done for i in n.input)]
        if not ready:
            n = nodes[0]
            missing = [i for i in n.input if i and i not in done]
            produced = {o for m in nodes for o in m.output}
            why = ("a cycle" if all(i in produced for i in missing)
                   else "an input that no node, initializer or graph input provides (a missing initializer?)")
            raise ExportError(f"ONNX graph has {why}: node '{n.name or n.op_type}' waits for {missing}")
        for n in ready:
            order.append(n)
            done.update(n.output)
            nodes.remove(n)
    return order


def attributes(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
