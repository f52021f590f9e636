/* Header check: tflite_ops.h compiles on its own in C99 (-std=c99 -pedantic -Werror), before
 * plugin.h, and the two headers can be included twice (include guards). */
#include <litecast/tflite_ops.h>
#include <litecast/tflite_ops.h>
#include <litecast/plugin.h>
#include <litecast/plugin.h>

int header_check_ops_first(void);
int header_check_ops_first(void) { return LC_OP_NEG + LC_OK; }
