import type { Scenario } from '../lib/scenario.js';
import { a2aSendScenario } from './a2a-send.scenario.js';
import { eventStoreAppendsScenario } from './event-store-appends.scenario.js';
import { oneStepHopsScenario } from './one-step-hops.scenario.js';
import { orchestrationOverheadScenario } from './orchestration-overhead.scenario.js';
import { projectionRebuildScenario } from './projection-rebuild.scenario.js';
import { slowModelCapacityScenario } from './slow-model-capacity.scenario.js';
import { sustainedLoadScenario } from './sustained-load.scenario.js';

/** Every benchmark, in the order `npm run bench` runs them. Add a scenario file and list it here. */
export const SCENARIOS: readonly Scenario[] = [a2aSendScenario, projectionRebuildScenario, orchestrationOverheadScenario, oneStepHopsScenario, sustainedLoadScenario, eventStoreAppendsScenario, slowModelCapacityScenario];
