"""Post-training int8 quantization of the exporter IR (static, from calibration).

    calibration.load_batches  -> input batches from a file, folder or python function
    observe.observe           -> per-tensor ranges from running the float program
    params                    -> scales, zero points, fixed-point multipliers
    rewrite.quantize_static   -> the IR rewritten to int8 kernels, with QUANTIZE /
                                 DEQUANTIZE where int8 meets float

The integer arithmetic both runtimes then do is written in schema/README.md.
"""
from exporter.quantize.calibration import load_batches
from exporter.quantize.observe import observe
from exporter.quantize.rewrite import quantize_static

__all__ = ["load_batches", "observe", "quantize_static"]
