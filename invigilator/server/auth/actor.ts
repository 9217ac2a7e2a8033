/** Who is doing something: the centre, and the invigilator (null for what the console does itself). */
export interface Actor {
  centreId: string;
  /** Null for changes the console makes itself (automatic incidents, seat enrolment). */
  invigilatorId: string | null;
}

export type Role = 'coordinator' | 'invigilator';
