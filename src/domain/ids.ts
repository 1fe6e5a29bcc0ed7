import { v7 as uuidv7, validate, version } from 'uuid';

/** Time-ordered ids: sorting by id is sorting by creation, which keyset pagination relies on. */
export const newId = (): string => uuidv7();

export const isUuid = (value: string): boolean => validate(value);

export const isTimeOrderedId = (value: string): boolean => validate(value) && version(value) === 7;

/** When a time-ordered id was issued: its first 48 bits are milliseconds since the epoch. */
export const idTime = (id: string): Date => new Date(parseInt(id.replace(/-/g, '').slice(0, 12), 16));
