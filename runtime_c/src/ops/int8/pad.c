/* PAD int8: input and output share their quantization; the padding is the byte
 * QuantParams.fill (the pad value quantized at export). The float op's data movement
 * with that value. */
#include "fixed.h"

extern const ember_op_impl ember_op_pad;

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (!ember_is_q8(a->in[0]) || !ember_is_q8(a->out) || !a->q->present)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: needs quantized INT8 input and output and QuantParams");
    return ember_op_pad.check(a, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    ember_params p = *a->p;
    ember_op_args with_fill = *a;
    p.pad.value = (float)a->q->fill;
    with_fill.p = &p;
    return ember_op_pad.eval(&with_fill, err);
}

const ember_op_impl ember_op_pad_int8 = {"PAD", check, eval, NULL};
