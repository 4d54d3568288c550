/* \summary: the vpcsim command */
#include <stdio.h>
int main(void) { puts("vpcsim " VPCSIM_VERSION); return 0; }
