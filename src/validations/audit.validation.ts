import { z } from 'zod';
import { SECURITY_EVENTS, type SecurityEventType } from '../config/security-events';
import { OBJECT_ID_PATTERN } from '../utils/object-id';
import { pageParams } from './user.validation';

const EVENT_TYPES = Object.keys(SECURITY_EVENTS) as [SecurityEventType, ...SecurityEventType[]];

export const listActivityQuery = z.strictObject(pageParams(20, 'The nextCursor of the previous page'));

export const listAuditQuery = z
  .strictObject({
    ...pageParams(50, 'The nextCursor of the previous page (with the same filters)'),
    user: z
      .string()
      .regex(OBJECT_ID_PATTERN, 'must be a 24-character hex id')
      .transform((id) => id.toLowerCase())
      .optional()
      .meta({ description: 'Only events about this user' }),
    type: z.enum(EVENT_TYPES).optional().meta({ description: 'Only events of this type' }),
    from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events at or after this time', example: '2026-11-01T00:00:00Z' }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events before this time', example: '2026-12-01T00:00:00Z' }),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), {
    message: 'must be after from',
    path: ['to'],
  });

export const signinChartQuery = z.strictObject({
  window: z.enum(['day', 'week']).default('day').meta({ description: 'The last 24 hours or the last 7 days, by hour' }),
});

export type ListActivityQuery = z.infer<typeof listActivityQuery>;
export type ListAuditQuery = z.infer<typeof listAuditQuery>;
export type SigninChartQuery = z.infer<typeof signinChartQuery>;
