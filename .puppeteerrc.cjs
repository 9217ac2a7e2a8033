// Invigil drives Debian's Chromium; puppeteer must never download a browser (there may be no internet).
module.exports = { skipDownload: true };
