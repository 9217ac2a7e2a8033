/**
 * Every domain's repository over one database: what the console's services are given. A new domain
 * adds its repository here (and its tables in `tables.ts`, and a migration).
 */
import { AttemptRepository } from '../attempts/attempt-repository.ts';
import { AuthRepository } from '../auth/auth-repository.ts';
import { HandsRepository } from '../hands-and-pauses/hands-repository.ts';
import { HelpRepository } from '../help/help-repository.ts';
import { AuditRepository } from '../record/audit-repository.ts';
import { IncidentRepository } from '../record/incident-repository.ts';
import { EventRepository } from '../seats/event-repository.ts';
import { InstructionRepository } from '../seats/instruction-repository.ts';
import { PresenceRepository } from '../seats/presence-repository.ts';
import { SeatRepository } from '../seats/seat-repository.ts';
import { SiteRepository } from '../sites/site-repository.ts';
import { SittingRepository } from '../sittings/sitting-repository.ts';
import type { Db } from './database.ts';

export interface Repositories {
  db: Db;
  sites: SiteRepository;
  auth: AuthRepository;
  seats: SeatRepository;
  events: EventRepository;
  instructions: InstructionRepository;
  sittings: SittingRepository;
  incidents: IncidentRepository;
  audit: AuditRepository;
  hands: HandsRepository;
  help: HelpRepository;
  attempts: AttemptRepository;
  presence: PresenceRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    db,
    sites: new SiteRepository(db),
    auth: new AuthRepository(db),
    seats: new SeatRepository(db),
    events: new EventRepository(db),
    instructions: new InstructionRepository(db),
    sittings: new SittingRepository(db),
    incidents: new IncidentRepository(db),
    audit: new AuditRepository(db),
    hands: new HandsRepository(db),
    help: new HelpRepository(db),
    attempts: new AttemptRepository(db),
    presence: new PresenceRepository(db),
  };
}
