import { appError, ErrorCode } from "@supergraph/kit/runtime";
import { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";

export interface StockLine {
  productId: string;
  quantity: number;
}

export interface Reservation {
  orderId: string;
  released: boolean;
  lines: Array<{ productId: string; quantity: number; unitPriceCents: number }>;
}

type Tx = Prisma.TransactionClient;

// A rush of buyers queues on one product's row lock; give waiting transactions time rather than failing
// them after Prisma's defaults (2 s to get a connection, 5 s to finish).
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 };

async function readReservation(tx: Tx | Db, orderId: string): Promise<Reservation | null> {
  const row = await tx.stockReservation.findUnique({ where: { orderId }, include: { lines: true } });
  if (!row) return null;
  return {
    orderId,
    released: row.releasedAt !== null,
    lines: row.lines
      .map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents }))
      .sort((a, b) => a.productId.localeCompare(b.productId)),
  };
}

function sameLines(reservation: Reservation, lines: StockLine[]): boolean {
  const wanted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  return (
    reservation.lines.length === wanted.length &&
    reservation.lines.every(
      (line, index) => line.productId === wanted[index]?.productId && line.quantity === wanted[index]?.quantity,
    )
  );
}

/** A retry of a reservation already made: the same answer, or a refusal if it does not match. */
function replay(existing: Reservation, lines: StockLine[]): Reservation {
  if (existing.released) {
    throw appError(ErrorCode.CONFLICT, `The reservation for order ${existing.orderId} was already released.`);
  }
  if (!sameLines(existing, lines)) {
    throw appError(ErrorCode.CONFLICT, `Order ${existing.orderId} already reserved different lines.`);
  }
  return existing;
}

/**
 * Takes stock for every line of an order in one transaction: all lines or none.
 *
 * - Each line is a conditional `UPDATE … SET stock = stock - q WHERE stock >= q`: the row lock makes
 *   concurrent buyers queue on the product, and whoever finds too little stock takes nothing. Stock can
 *   never go negative (the table's CHECK constraint backs this up).
 * - Lines are taken in product-id order, so two orders sharing products lock them in the same order and
 *   cannot deadlock.
 * - Unknown (or deleted) product → NOT_FOUND; too little stock → INSUFFICIENT_STOCK. Either aborts the
 *   transaction: no line stays decremented and no reservation is recorded.
 * - The reservation row is keyed by the order id. A retry (the orders service timed out and tries again)
 *   finds it and returns it unchanged: stock is never taken twice for one order. Two concurrent calls
 *   with one id are settled by the primary key: the second waits, then sees the first's reservation.
 */
export async function reserveStock(db: Db, orderId: string, lines: StockLine[]): Promise<Reservation> {
  const existing = await readReservation(db, orderId);
  if (existing) return replay(existing, lines);
  const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  try {
    return await db.$transaction(async (tx) => {
      await tx.stockReservation.create({ data: { orderId } });
      const reserved: Reservation["lines"] = [];
      for (const line of sorted) {
        const rows = await tx.$queryRaw<Array<{ price_cents: number }>>`
          UPDATE products SET stock = stock - ${line.quantity}, updated_at = now()
          WHERE id = ${line.productId}::uuid AND deleted_at IS NULL AND stock >= ${line.quantity}
          RETURNING price_cents`;
        const row = rows[0];
        if (!row) {
          const product = await tx.product.findFirst({
            where: { id: line.productId, deletedAt: null },
            select: { stock: true },
          });
          if (!product)
            throw appError(ErrorCode.NOT_FOUND, `Product ${JSON.stringify(line.productId)} was not found.`, {
              productId: line.productId,
            });
          throw appError(
            ErrorCode.INSUFFICIENT_STOCK,
            `Only ${product.stock} left of product ${line.productId}; ${line.quantity} requested.`,
            { productId: line.productId, available: product.stock, requested: line.quantity },
          );
        }
        reserved.push({ productId: line.productId, quantity: line.quantity, unitPriceCents: row.price_cents });
      }
      await tx.stockReservationLine.createMany({ data: reserved.map((line) => ({ orderId, ...line })) });
      return { orderId, released: false, lines: reserved };
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    // A concurrent call with the same order id won the insert: answer as a retry would.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const winner = await readReservation(db, orderId);
      if (winner) return replay(winner, lines);
    }
    throw error;
  }
}

/**
 * Puts an order's stock back, exactly once: only the call that flips `released_at` from NULL restocks,
 * in the same transaction; every later call finds it set and changes nothing.
 *
 * Releasing an order id that was never reserved records a released, empty reservation. That matters
 * when a reservation request timed out on the orders side but is still in flight here: the compensating
 * release may arrive first, and the late reservation must then be refused (CONFLICT), not take stock
 * that no order will ever give back.
 */
export async function releaseStock(db: Db, orderId: string): Promise<Reservation> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO stock_reservations (order_id, released_at) VALUES (${orderId}::uuid, now())
      ON CONFLICT (order_id) DO NOTHING`;
    const flipped = await tx.$queryRaw<Array<{ order_id: string }>>`
      UPDATE stock_reservations SET released_at = now()
      WHERE order_id = ${orderId}::uuid AND released_at IS NULL
      RETURNING order_id`;
    if (flipped.length === 0) return;
    await tx.$executeRaw`
      UPDATE products p SET stock = p.stock + l.quantity, updated_at = now()
      FROM stock_reservation_lines l
      WHERE l.order_id = ${orderId}::uuid AND p.id = l.product_id`;
  }, TRANSACTION_OPTIONS);
  const reservation = await readReservation(db, orderId);
  if (!reservation) throw new Error(`reservation ${orderId} vanished after release`);
  return reservation;
}
