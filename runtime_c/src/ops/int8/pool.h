/* AVG_POOL2D and MAX_POOL2D int8 share their adapter: the float op's check (ember_pool2d_check
 * on the operands seen as FLOAT32) with one multiplier, and an eval that runs the file's
 * kernel `stem`_i8 over the N * C planes. */
#ifndef EMBER_INT8_POOL_H
#define EMBER_INT8_POOL_H

#include "fixed.h"

/* check, eval and the table entry ember_op_`stem`_int8 of the int8 pool whose kernel is
 * stem##_i8(x, y, shape, params, quant, x_zp, y_zp). */
#define EMBER_Q8_POOL_OP(stem, NAME)                                                                 \
    extern const ember_op_impl ember_op_##stem;                                                      \
    static ember_status stem##_check(const ember_op_args *a, ember_error *err) {                    \
        return ember_check_q8(&ember_op_##stem, a, 1, 1, err);                                       \
    }                                                                                                \
    static ember_status stem##_eval(const ember_op_args *a, ember_error *err) {                     \
        ember_pool_shape s = ember_pool_shape_of(a->in[0], a->out);                                  \
        (void)err;                                                                                   \
        stem##_i8((const int8_t *)a->in[0]->data, (int8_t *)a->out->data, &s, &a->p->pool2d, a->q,   \
                  a->in[0]->zero_point, a->out->zero_point);                                         \
        return EMBER_OK;                                                                             \
    }                                                                                                \
    const ember_op_impl ember_op_##stem##_int8 = {NAME, stem##_check, stem##_eval, NULL};

#endif /* EMBER_INT8_POOL_H */
