/* REPLICATION_PAD: the padding repeats the edge element (numpy's "edge"); a padded
 * dimension is not empty (pad_modes.h). */
#include "pad_modes.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_pad_modes_check(a, EMBER_PAD_EDGE, err);
}

EMBER_EVAL(eval, ember_pad_modes_eval(a, EMBER_PAD_EDGE))
const ember_op_impl ember_op_replication_pad = {"REPLICATION_PAD", check, eval, NULL};
