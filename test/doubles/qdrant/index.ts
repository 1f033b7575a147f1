/** A loopback Qdrant double that speaks Qdrant's REST API, validated against its OpenAPI description. */
export { startQdrantDouble } from './server.js';
export type { QdrantDouble, QdrantDoubleOptions, RecordedRequest, StoredPointView, Violation } from './server.js';
