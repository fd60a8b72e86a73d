export { SeededRandom } from './random.js';
export { aPriceComponent, aTariff, anElement, aTariffWithRestrictions, aRandomSession, type GeneratedSession } from './builders.js';
