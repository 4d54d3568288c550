/* \summary: Transit Gateway: attachments per AZ, route tables with association and propagation */
#ifndef VPCSIM_TGW_H
#define VPCSIM_TGW_H

#include "fabric.h"

/*
 * One node per transit gateway.  Each VPC attachment has one port per
 * attachment subnet (one per AZ), linked to the attached VPC router's TGW
 * port in that AZ.  A packet is routed by the TGW route table associated
 * with the attachment it came in on (longest prefix; static routes before
 * propagated ones of equal length; blackhole routes drop), and leaves on the
 * destination attachment's port in the AZ it came from when that attachment
 * has a subnet there ("AZ affinity"), otherwise on its first AZ, paying
 * cross-AZ propagation and transfer.  No address is changed.
 *
 * Charges: data processing per GB on the attachment the price table names
 * as payer (the sending one by default), and the hourly charge of every
 * attachment.
 */
node *tgw_new(fabric *f, int index);
/* The port for attachment `att` in the AZ of subnet `subnet` (creates it). */
port *tgw_add_port(node *tgw, int att, int subnet);
/* Compiles route tables; call after every port exists. */
void tgw_finish(node *tgw);

#endif
