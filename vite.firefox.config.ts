// The Firefox build (dist/extension-firefox): the same source as vite.config.ts, for Firefox.
import { extensionConfig } from './vite.config.ts';

export default extensionConfig('firefox');
