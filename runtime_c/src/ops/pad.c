/* PAD: constant padding; pads = [before_0, after_0, before_1, after_1, ...], all >= 0,
 * one pair per dimension. Any dtype (x and out share it); `value` (a float) is converted
 * to it as numpy assigns it: truncation toward zero for integers (NaN and out-of-range
 * values as CAST: INT32/INT64 minimum, INT8/UINT8 the low byte of the INT32 result),
 * BOOL is value != 0.
 * x: (d0, ..., dr-1); out: (d0 + before_0 + after_0, ...). */
#include "op.h"

/* One element of any dtype. */
typedef union pad_value { float f32; int8_t i8; int32_t i32; int64_t i64; uint8_t u8; } pad_value;

/* v converted to dtype, in the member of that dtype. */
static pad_value convert(double v, uint8_t dtype) {
    pad_value out;
    int32_t i32 = v > -2147483649.0 && v < 2147483648.0 ? (int32_t)v : INT32_MIN;
    memset(&out, 0, sizeof out);
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: out.f32 = (float)v; break;
    case EMBER_DTYPE_INT64:
        out.i64 = v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (int64_t)v : INT64_MIN;
        break;
    case EMBER_DTYPE_INT32: out.i32 = i32; break;
    case EMBER_DTYPE_INT8: out.i8 = (int8_t)(uint8_t)i32; break;
    case EMBER_DTYPE_BOOL: out.u8 = (uint8_t)(v != 0.0); break;
    default: out.u8 = (uint8_t)i32; break;
    }
    return out;
}

typedef struct pad_shape {
    int rank;
    size_t item;                        /* bytes per element */
    int64_t in[EMBER_MAX_RANK];         /* x's shape */
    int64_t out_stride[EMBER_MAX_RANK]; /* out's strides (elements) */
    int64_t origin;                     /* out's offset of x[0, ..., 0] */
} pad_shape;

/* Fills y (count elements of `item` bytes) with the element at `value`. */
static void fill(void *y, int64_t count, size_t item, const pad_value *value) {
    char *yp = (char *)y;
    if (item == 1) {
        memset(y, value->u8, (size_t)count);
    } else if (item == 4) {
        for (int64_t i = 0; i < count; i++) memcpy(yp + 4 * i, value, 4);
    } else {
        for (int64_t i = 0; i < count; i++) memcpy(yp + 8 * i, value, 8);
    }
}

/* x: s->in; y: out's shape, already filled; x's rows (last dimension) go in place. */
static void pad_copy(const void *x, void *y, const pad_shape *s) {
    int64_t rows = 1, idx[EMBER_MAX_RANK] = {0}, o = s->origin;
    int64_t row = s->rank > 0 ? s->in[s->rank - 1] : 1;
    for (int d = 0; d < s->rank - 1; d++) rows *= s->in[d];
    if (row == 0) return;
    for (int64_t r = 0; r < rows; r++) {
        memmove((char *)y + (size_t)o * s->item, (const char *)x + (size_t)(r * row) * s->item, (size_t)row * s->item);
        for (int d = s->rank - 2; d >= 0; d--) {   /* next row of x, odometer style */
            idx[d]++;
            o += s->out_stride[d];
            if (idx[d] < s->in[d]) break;
            o -= s->out_stride[d] * s->in[d];
            idx[d] = 0;
        }
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    pad_shape s;
    pad_value value;
    int64_t stride = 1;
    (void)err;
    s.rank = x->rank;
    s.item = ember_dtype_size((ember_dtype)y->dtype);
    s.origin = 0;
    for (int d = x->rank - 1; d >= 0; d--) {
        s.in[d] = x->shape[d];
        s.out_stride[d] = stride;
        s.origin += a->p->pad.pads[2 * d] * stride;
        stride *= y->shape[d];
    }
    value = convert((double)a->p->pad.value, y->dtype);
    fill(y->data, y->count, s.item, &value);
    if (x->count > 0) pad_copy(x->data, y->data, &s);
    return EMBER_OK;
}

const ember_op_impl ember_op_pad = {"PAD", ember_pad_check, eval, NULL};
