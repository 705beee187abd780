/* SOFTMAX int8 along `axis` (reference: runtime_py/kernels/int8/softmax.py). Input 1
 * is an INT32 table T of 256 values, T[j] = round(2^20 exp((j - 255) x_scale)):
 *   e_j = T[x_j - max + 255],  S = sum e_j (int64),
 *   out_j = clamp((e_j * 256 + S / 2) / S + out_zp, -128, 127)   (output scale 1/256).
 * The table is checked at init: entries in [0, 2^24], T[255] >= 1, so S > 0. */
#include "fixed.h"

extern const ember_op_impl ember_op_softmax;

static void softmax_i8(const int8_t *x, const int32_t *table, int8_t *y, int64_t outer, int64_t len, int64_t inner,
                       int32_t y_zp) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const int8_t *xr = x + o * len * inner + i;   /* (len) at stride inner */
            int8_t *yr = y + o * len * inner + i;
            int32_t mx = -128;
            int64_t total = 0;
            for (int64_t j = 0; j < len; j++)
                if (xr[j * inner] > mx) mx = xr[j * inner];
            for (int64_t j = 0; j < len; j++) total += table[xr[j * inner] - mx + 255];
            for (int64_t j = 0; j < len; j++) {
                int64_t e = table[xr[j * inner] - mx + 255];
                int64_t v = (e * 256 + total / 2) / total + y_zp;
                yr[j * inner] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
            }
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *t = a->n_in > 1 ? a->in[1] : NULL;
    if (!ember_is_q8(a->in[0]) || !ember_is_q8(a->out))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: input and output must be quantized INT8");
    if (t == NULL || t->dtype != EMBER_DTYPE_INT32 || t->rank != 1 || t->shape[0] != 256)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: input 1 must be a 256-entry INT32 table");
    if (t->storage != EMBER_STORAGE_CONSTANT)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: the table must be a constant");
    const int32_t *v = (const int32_t *)t->data;
    for (int j = 0; j < 256; j++)
        if (v[j] < 0 || v[j] > (1 << 24) || (j == 255 && v[j] < 1))
            return ember_fail(err, EMBER_ERR_VERIFY, "int8: table entry %d is %ld: entries must be in [0, 2^24], "
                              "entry 255 >= 1", j, (long)v[j]);
    return ember_check_as_float(&ember_op_softmax, a, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    ember_axis_rows r = ember_axis_split(x, a->p->axis.axis);
    (void)err;
    softmax_i8((const int8_t *)x->data, (const int32_t *)a->in[1]->data, (int8_t *)a->out->data, r.outer, r.len,
               r.inner, a->out->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_softmax_int8 = {"SOFTMAX", check, eval, NULL};
