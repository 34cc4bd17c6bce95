// NiceGUI custom component on the public event page: "Resume your checkout (12:40 left)" or
// "Release the tickets", for a hold this browser made (the checkout page remembers its id in
// localStorage under `eventflow.hold.<event id>`, components/resume_checkout.py). The hold's state
// comes from the API, so a paid, cancelled or expired hold is simply forgotten; releasing goes
// through DELETE /api/v1/reservations/{id} (the domain's cancel: stock back at once).
export default {
  template: `
    <div v-if="holdId" class="w-full p-3 rounded-lg border-2 border-violet-700 bg-violet-50 flex flex-col gap-2"
         role="region" :aria-label="words.region" data-testid="resume-checkout">
      <div class="font-medium text-slate-900">{{ words.onHold.replace("{tickets}", tickets) }}</div>
      <div class="flex flex-wrap gap-2">
        <a :href="'/checkout/' + holdId" data-testid="resume-link"
           class="no-underline bg-violet-800 text-white rounded px-4 min-h-[44px] inline-flex items-center font-semibold">
          {{ words.resume.replace("{left}", left) }}</a>
        <button type="button" data-testid="release-hold" @click="release"
           class="rounded px-4 min-h-[44px] border border-violet-800 text-violet-900 bg-white">
          {{ words.release }}</button>
      </div>
    </div>
    <div v-else-if="released" class="w-full p-3 rounded-lg bg-emerald-50 text-emerald-900" role="status"
         data-testid="hold-released">{{ words.released }}</div>`,
  props: { eventId: String, words: Object },  // words: in the page's language (resume_checkout.py)
  data() {
    return { holdId: null, expiresAt: 0, now: Date.now(), count: 0, released: false };
  },
  computed: {
    key() { return "eventflow.hold." + this.eventId; },
    left() {
      const seconds = Math.max(0, Math.floor((this.expiresAt - this.now) / 1000));
      return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    },
    tickets() { return (this.count === 1 ? this.words.one : this.words.many).replace("{n}", this.count); },
  },
  async mounted() {
    let id = null;
    try { id = localStorage.getItem(this.key); } catch (error) { return; } // storage blocked
    if (!id) return;
    try {
      const response = await fetch("/api/v1/reservations/" + encodeURIComponent(id), { cache: "no-store" });
      if (response.status === 404) return this.forget();
      if (!response.ok) return; // a passing failure: keep it for the next visit
      const hold = await response.json();
      const expiresAt = Date.parse(hold.expires_at);
      if (hold.status !== "held" || hold.event_id !== this.eventId || expiresAt <= Date.now()) return this.forget();
      this.count = hold.lines.reduce((sum, line) => sum + line.quantity, 0);
      this.expiresAt = expiresAt;
      this.holdId = id;
      this.timer = setInterval(() => {
        this.now = Date.now();
        if (this.now >= this.expiresAt) this.forget(); // the server releases it at expiry
      }, 1000);
    } catch (error) { /* offline: nothing to offer */ }
  },
  unmounted() { clearInterval(this.timer); },
  methods: {
    forget() {
      clearInterval(this.timer);
      this.holdId = null;
      try { localStorage.removeItem(this.key); } catch (error) { /* storage blocked */ }
    },
    async release() {
      const id = this.holdId;
      try {
        const response = await fetch("/api/v1/reservations/" + encodeURIComponent(id), { method: "DELETE" });
        if (!response.ok && response.status !== 409 && response.status !== 404) return;
      } catch (error) { return; } // offline: the button stays, try again
      this.forget();
      this.released = true;
    },
  },
};
