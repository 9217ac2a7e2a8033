/**
 * Identity of the Invigil extension. The manifest carries this public key, so the extension id
 * is the same on every machine: the id is the first 32 hex digits of sha256(key), mapped 0-f to a-p.
 * (A centre that signs its own CRX with its own key gets a different id; see docs/deploy.md.)
 */
export const EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmkj0XNS6Er+ic4thVAKyhhM775tBXEJRNQ7CBFOtXoukeIfQ/RL0KDJxY65QBWD1PeHZFATY7GbhhhiktxYG6vS0gaPGhIDOsC0BxN/tNpVwSDqoMaXQk8tz6KjPbHGUjI42H5AYN3GHN1C3fXYiDP3sO1MfMbr7Nf5m8P03aIC2fvICJwwujl4sUIx8UTr7tFcFU5xa7dGwDENoWpwzTxpjZU+cHd+Zl7oW9xgSDeopNE69PGC0FB2kmCRnt1YKxCDQ5odt17M95/THgC28fNCcboIy2dc6OHGRysxvaOFxNKD+d9SeTZPWn5RbdhEHh5iMGqFr9OiIcyOZ2g0zXQIDAQAB';
export const EXTENSION_ID = 'lafjhoockmahiigmahjcfjehlcadimim';
export const PRODUCT_NAME = 'Invigil';
