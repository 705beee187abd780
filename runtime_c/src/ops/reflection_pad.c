/* REFLECTION_PAD: the padding mirrors the input without repeating the edge (numpy's
 * "reflect"); each pad of a padded dimension is smaller than its size (pad_modes.h). */
#include "pad_modes.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_pad_modes_check(a, EMBER_PAD_REFLECT, err);
}

EMBER_EVAL(eval, ember_pad_modes_eval(a, EMBER_PAD_REFLECT))
const ember_op_impl ember_op_reflection_pad = {"REFLECTION_PAD", check, eval, NULL};
