export { transportComplianceSuite, patternBytes } from './compliance.js';
export type { ComplianceOptions, TransportGroup } from './compliance.js';
