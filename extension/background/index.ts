// Service worker entry: wires the features. (Skeleton; features arrive with the lockdown issue.)
(globalThis as unknown as { invigilReady: boolean }).invigilReady = true;
