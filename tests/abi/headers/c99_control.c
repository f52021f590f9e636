/* Control for the C99 header checks (expected to FAIL to compile; the ctest test has
 * WILL_FAIL set). It includes the same headers and then uses a binary literal, which
 * -std=c99 -pedantic -Werror rejects. If this ever compiles, the flags no longer reach the
 * compiler and the abi_headers_c99_* tests would prove nothing. */
#include <litecast/plugin.h>

int header_check_control(void);
int header_check_control(void) { return 0b101; }
