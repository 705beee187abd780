/* The int8 kernel of the table ops (RELU, CLAMP, SIGMOID, TANH, GELU, HARDSWISH):
 * out = table[x + 128], input 1 the op's 256-entry INT8 table built at export. */
#include "fixed.h"

static void lookup_i8(const int8_t *x, const int8_t *table, int8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = table[(int32_t)x[i] + 128];
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *t = a->n_in > 1 ? a->in[1] : NULL, *y = a->out;
    if (!ember_is_q8(x) || !ember_is_q8(y) || !ember_same_shape(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: input and output must be quantized INT8 of one shape");
    if (t == NULL || t->dtype != EMBER_DTYPE_INT8 || t->rank != 1 || t->shape[0] != 256)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: input 1 must be a 256-entry INT8 table");
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    lookup_i8((const int8_t *)a->in[0]->data, (const int8_t *)a->in[1]->data, (int8_t *)a->out->data,
              a->out->count);
    return EMBER_OK;
}

const ember_op_impl ember_op_table_lookup_int8 = {"TABLE_LOOKUP_INT8", check, eval, NULL};
