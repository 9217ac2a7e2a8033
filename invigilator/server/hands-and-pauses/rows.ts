/** What the console keeps of raised hands and pauses (issue 13), as the Store hands them out. */

export interface HandRow {
  id: string;
  centreId: string;
  seatId: string;
  sittingId: string | null;
  entryId: string | null;
  /** The first raise (seat clock, as the event said) and the latest raise while it was open. */
  raisedAt: string;
  lastRaisedAt: string;
  /** How many times it was raised while open: a seat raising again and again is one hand. */
  count: number;
  via: 'button' | 'shortcut';
  answeredAt: string | null;
  answeredBy: string | null;
  reason: string | null;
  note: string | null;
  pcName: string | null;
  candidateName: string | null;
  registrationNumber: string | null;
}

export interface PauseRow {
  id: string;
  centreId: string;
  sittingId: string;
  /** Null for the whole room (every seat of the sitting). */
  entryId: string | null;
  reason: string;
  note: string | null;
  startedAt: string;
  startedBy: string | null;
  endedAt: string | null;
  endedBy: string | null;
  candidateName: string | null;
  pcName: string | null;
}

/** The Store's part for hands and pauses (implemented beside each store: hands-and-pauses/sqlite.ts). */
export interface HandsAndPausesStore {
  /** Every hand not yet answered (at most one a seat). */
  openHands(): Promise<HandRow[]>;
  /** Answers an open hand, audited; null when there is none by that id in the actor's centre (or it was answered). */
  answerHand(
    actor: { centreId: string; invigilatorId: string | null },
    handId: string,
    answer: { reason: string; note: string | null; at: string },
  ): Promise<HandRow | null>;
  listHands(centreId: string, sittingId: string): Promise<HandRow[]>;
  /** Starts a pause, audited. Null when the same room (or seat) is already paused. */
  startPause(
    actor: { centreId: string; invigilatorId: string | null },
    pause: { sittingId: string; entryId: string | null; reason: string; note: string | null; at: string },
  ): Promise<PauseRow | null>;
  /** Ends an open pause, audited; null when there is no open pause by that id in the actor's centre. */
  endPause(
    actor: { centreId: string; invigilatorId: string | null },
    pauseId: string,
    at: string,
  ): Promise<PauseRow | null>;
  openPauses(): Promise<PauseRow[]>;
  listPauses(centreId: string, sittingId: string): Promise<PauseRow[]>;
}
